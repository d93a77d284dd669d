# SYNTAX TEST "source.strata-hcl" "schema HCL: blocks, labels, attributes, references, types, heredocs, embedded SQL"
schema "main" {}
# <------ entity.name.type.strata-hcl
#       ^^^^ string.quoted.double.label.strata-hcl entity.name.label.strata-hcl
#             ^ punctuation.section.block.begin.strata-hcl

enum "status" {
  schema = schema.public
# ^^^^^^ variable.other.property.strata-hcl
#        ^ keyword.operator.assignment.strata-hcl
#          ^^^^^^ meta.reference.strata-hcl support.type.reference.strata-hcl
#                ^ punctuation.accessor.strata-hcl
#                 ^^^^^^ variable.other.member.strata-hcl
  values = ["active", "banned"]
#          ^ punctuation.section.brackets.begin.strata-hcl
#           ^^^^^^^^ string.quoted.double.strata-hcl
}

table "users" {
# <----- entity.name.type.strata-hcl
#     ^ punctuation.definition.string.begin.strata-hcl
#      ^^^^^ entity.name.label.strata-hcl
  schema = schema.main
  column "id" {
# ^^^^^^ meta.block.strata-hcl meta.block.strata-hcl entity.name.type.strata-hcl
#         ^^ entity.name.label.strata-hcl
    type           = integer
#   ^^^^ meta.attribute.type.strata-hcl variable.other.property.strata-hcl
#                    ^^^^^^^ storage.type.strata-hcl
    auto_increment = true
#   ^^^^^^^^^^^^^^ variable.other.property.strata-hcl
#                    ^^^^ constant.language.strata-hcl
  }
  column "email" {
    type    = varchar(255)
#             ^^^^^^^ storage.type.strata-hcl
#                    ^ punctuation.section.parens.begin.strata-hcl
#                     ^^^ constant.numeric.strata-hcl
    collate = "NOCASE"
#             ^^^^^^^^ string.quoted.double.strata-hcl
  }
  column "state" {
    type    = enum.status
#             ^^^^ meta.reference.strata-hcl support.type.reference.strata-hcl
#                  ^^^^^^ variable.other.member.strata-hcl
    default = "active"
  }
  column "tags" {
    type    = sql("text[]")
#             ^^^ support.function.builtin.strata-hcl
#                  ^^^^ meta.embedded.inline.sql storage.type.sql
  }
  column "created_at" {
    type    = datetime
    default = sql("CURRENT_TIMESTAMP")
#             ^^^ meta.function-call.sql.strata-hcl support.function.builtin.strata-hcl
#                 ^ punctuation.definition.string.begin.strata-hcl
#                  ^^^^^^^^^^^^^^^^^ meta.embedded.inline.sql support.function.sql
#                                   ^ punctuation.definition.string.end.strata-hcl
#                                    ^ punctuation.section.parens.end.strata-hcl
  }
  column "lower_email" {
    type = text
    as {
#   ^^ entity.name.type.strata-hcl
      expr = sql("lower(\"email\")")
#                 ^^^^^ meta.embedded.inline.sql support.function.sql
#                       ^^ constant.character.escape.strata-hcl
#                         ^^^^^ meta.embedded.inline.sql - string
#                              ^^ constant.character.escape.strata-hcl
      type = VIRTUAL
    }
  }
  primary_key {
# ^^^^^^^^^^^ entity.name.type.strata-hcl
    columns = [column.id]
#              ^^^^^^ support.type.reference.strata-hcl
#                     ^^ variable.other.member.strata-hcl
  }
  index "users_email" {
    unique  = true
    columns = [column.email]
    where   = "email IS NOT NULL"
  }
  check "email_has_at" {
    expr = <<-SQL
#          ^^^ keyword.operator.heredoc.strata-hcl
#             ^^^ keyword.control.heredoc.strata-hcl
      email LIKE '%@%'
#           ^^^^ meta.heredoc.strata-hcl meta.embedded.block.sql keyword.other.sql
#                ^^^^^ string.quoted.single.sql
    SQL
#   ^^^ keyword.control.heredoc.strata-hcl
  }
}

table "posts" {
  schema = schema.main
  column "author_id" {
    type = integer
  }
  foreign_key "posts_author" {
    columns     = [column.author_id]
    ref_columns = [table.users.column.id]
#                  ^^^^^ meta.reference.strata-hcl support.type.reference.strata-hcl
#                        ^^^^^ variable.other.member.strata-hcl
#                              ^^^^^^ support.type.reference.strata-hcl
#                                     ^^ variable.other.member.strata-hcl
    on_delete   = CASCADE
#                 ^^^^^^^ constant.other.strata-hcl
  }
}

view "active_users" {
  schema = schema.main
  as     = <<-SQL
    SELECT id, email FROM users WHERE state = 'active'
#   ^^^^^^ meta.embedded.block.sql keyword.other.sql
#                    ^^^^ keyword.other.sql
#                                             ^^^^^^^^ string.quoted.single.sql
  SQL
}
# <- meta.block.strata-hcl punctuation.section.block.end.strata-hcl

// a line comment
# <-- comment.line.double-slash.strata-hcl
/* a block
   comment */
#  ^^^^^^^^^^ comment.block.strata-hcl
schema "after_comment" {}
# <------ entity.name.type.strata-hcl - comment
