" Vim syntax file
" Language: strata project file (strata.hcl / atlas.hcl)
if exists('b:current_syntax')
  finish
endif
runtime! syntax/strata-hcl.vim
let b:current_syntax = 'strata-config'
