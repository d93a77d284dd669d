# SYNTAX TEST "source.strata-config" "project file (strata.hcl / atlas.hcl)"
variable "db" {
# <-------- entity.name.type.strata-hcl
#         ^^ entity.name.label.strata-hcl
  type    = string
#           ^^^^^^ storage.type.strata-hcl
  default = "dev.db"
}

locals {
# <------ entity.name.type.strata-hcl
  dir = getenv("SCHEMA_DIR")
#       ^^^^^^ support.function.strata-hcl
}

env "local" {
# <--- entity.name.type.strata-hcl
#    ^^^^^ entity.name.label.strata-hcl
  src     = "file://schema"
#           ^^^^^^^^^^^^^^^ string.quoted.double.strata-hcl
  url     = "sqlite://${var.db}"
#                     ^^ meta.interpolation.strata-hcl punctuation.section.interpolation.begin.strata-hcl
#                       ^^^ meta.reference.strata-hcl support.type.reference.strata-hcl
#                           ^^ variable.other.member.strata-hcl
#                             ^ punctuation.section.interpolation.end.strata-hcl
#                              ^ string.quoted.double.strata-hcl punctuation.definition.string.end.strata-hcl
  exclude = ["audit_*"]
  diff {
    skip {
#   ^^^^ meta.block.strata-hcl meta.block.strata-hcl meta.block.strata-hcl entity.name.type.strata-hcl
      drop_table = true
#     ^^^^^^^^^^ variable.other.property.strata-hcl
    }
  }
}

lint {
  destructive {
    error = true
  }
}
