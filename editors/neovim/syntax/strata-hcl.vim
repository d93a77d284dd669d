" Vim syntax file
" Language: strata schema HCL (Atlas dialect), also used for strata.hcl / atlas.hcl
" Blocks, labels, attributes, references, types, heredocs with SQL inside.
if exists('b:current_syntax')
  finish
endif

" SQL for heredoc bodies and sql("…").
syntax include @strataSql syntax/sql.vim
unlet! b:current_syntax

syntax case match
syntax sync fromstart

syntax match strataComment "#.*$" contains=@Spell
syntax match strataComment "//.*$" contains=@Spell
syntax region strataComment start="/\*" end="\*/" contains=@Spell

syntax match strataBlockType "^\s*\zs[A-Za-z_][A-Za-z0-9_-]*\ze\%(\s\+\%(\"[^\"]*\"\|[A-Za-z_][A-Za-z0-9_-]*\)\)*\s*{"
syntax match strataAttribute "^\s*\zs[A-Za-z_][A-Za-z0-9_-]*\ze\s*=[^=]"
syntax match strataTypeAttr "^\s*type\s*=\s*\zs[A-Za-z_][A-Za-z0-9_]*" contains=strataReference
syntax match strataReference "\<\%(column\|table\|schema\|enum\|view\|materialized\|function\|trigger\|sequence\|domain\|extension\|index\|var\|local\|env\|data\|atlas\)\%(\.[A-Za-z_][A-Za-z0-9_-]*\)\+"
syntax keyword strataConstant true false null
syntax match strataNumber "\<-\?\d\+\%(\.\d\+\)\?\%([eE][+-]\?\d\+\)\?\>"
syntax match strataEnumWord "\<[A-Z][A-Z0-9_]*\>"

syntax region strataInterpolation matchgroup=strataDelimiter start="\${" end="}" contained contains=strataReference,strataNumber,strataString
syntax region strataString start=+"+ skip=+\\\\\|\\"+ end=+"+ contains=strataEscape,strataInterpolation
syntax match strataEscape "\\[\\\"nrt]" contained
" Block labels: after strings, so they win.
syntax match strataLabel "\"[^\"]*\"\ze\%(\s\+\"[^\"]*\"\)*\s*{"

syntax region strataSqlCall matchgroup=strataFunction start=+\<sql("+ skip=+\\\\\|\\"+ end=+")+ contains=strataEscape,@strataSql keepend
syntax region strataHeredoc matchgroup=strataDelimiter start="<<-\?\z([A-Za-z_][A-Za-z0-9_]*\)\s*$" end="^\s*\z1\s*$" contains=@strataSql keepend

highlight default link strataComment Comment
highlight default link strataBlockType Structure
highlight default link strataLabel Identifier
highlight default link strataAttribute Label
highlight default link strataTypeAttr Type
highlight default link strataReference Special
highlight default link strataConstant Boolean
highlight default link strataNumber Number
highlight default link strataEnumWord Constant
highlight default link strataString String
highlight default link strataEscape SpecialChar
highlight default link strataDelimiter Delimiter
highlight default link strataFunction Function

let b:current_syntax = 'strata-hcl'
