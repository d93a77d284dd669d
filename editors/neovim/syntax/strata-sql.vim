" Vim syntax file
" Language: strata SQL schema files: SQL
if exists('b:current_syntax')
  finish
endif
runtime! syntax/sql.vim
unlet! b:current_syntax
syntax match strataRenamed "@renamed\s\+from=\S\+" containedin=sqlComment,sqlDashComment contained
highlight default link strataRenamed PreProc
let b:current_syntax = 'strata-sql'
