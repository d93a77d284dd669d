# The demo schema: `cargo run -p strata-cli -- schema apply --url sqlite://demo.db --to file://examples/blog.hcl --auto-approve`
schema "main" {}

table "users" {
  schema = schema.main
  column "id" {
    type           = integer
    auto_increment = true
  }
  column "email" {
    type = varchar(255)
  }
  column "name" {
    type = text
    null = true
  }
  primary_key {
    columns = [column.id]
  }
  index "users_email" {
    unique  = true
    columns = [column.email]
  }
}

table "posts" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "author_id" {
    type = integer
  }
  column "title" {
    type    = text
    default = "untitled"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "posts_author" {
    columns     = [column.author_id]
    ref_columns = [table.users.column.id]
    on_delete   = CASCADE
  }
}

view "recent_posts" {
  schema = schema.main
  as     = <<-SQL
    SELECT p.id, p.title, u.email
    FROM posts p JOIN users u ON u.id = p.author_id
  SQL
}
