-- SYNTAX TEST "source.strata-sql" "SQL schema files: SQL plus sqldef's @renamed annotations"
CREATE TABLE accounts ( -- @renamed from=old_accounts
-- <------ keyword.other.sql
--                      ^^ comment.line.double-dash.sql
--                         ^^^^^^^^ storage.type.annotation.strata-sql
--                                  ^^^^ variable.parameter.strata-sql
--                                       ^^^^^^^^^^^^ entity.name.strata-sql
  id integer PRIMARY KEY,
  username text -- a plain comment
--              ^^^^^^^^^^^^^^^^^^ comment.line.double-dash.sql - storage.type.annotation.strata-sql
);
CREATE INDEX email_idx /* @renamed from=idx_email */ ON accounts (username);
--                     ^^ comment.block.sql
--                        ^^^^^^^^ storage.type.annotation.strata-sql
--                                      ^^^^^^^^^ entity.name.strata-sql
--                                                ^^ comment.block.sql
--                                                   ^^ keyword.other.sql
