-- Headless tests of the Neovim plugin (editors/neovim) on a SQLite project.
--
--   nvim --headless -u NONE -i NONE -n -c 'luafile tests/nvim/plan.lua'
--
-- (tests/nvim/run.sh does this.) Uses $STRATA_BIN, else target/debug/strata.
-- Prints one line per test and `N passed, N failed`; exits 1 on failure.

local h = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h') .. '/harness.lua')
local out, repo, bin, test, finish, write, wait = h.out, h.repo, h.bin, h.test, h.finish, h.write, h.wait
vim.opt.runtimepath:prepend(repo .. '/editors/neovim')
vim.cmd('filetype on')
vim.cmd('syntax on')

local function buf_text(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
end

-- Notifications, recorded (and quiet).
local notes = {}
vim.notify = function(msg, level)
  table.insert(notes, { msg = msg, level = level })
end
local function last_note()
  return notes[#notes] and notes[#notes].msg or ''
end

-- The project: strata.hcl with env "local" (SQLite app.db) and schema.hcl.
local dir = vim.fn.tempname()
vim.fn.mkdir(dir .. '/sql', 'p')
dir = vim.loop.fs_realpath(dir)
write(
  dir .. '/strata.hcl',
  'env "local" {\n  src = "file://schema.hcl"\n  url = "sqlite://app.db"\n}\n'
    .. 'env "sql" {\n  src = "file://sql/schema"\n  url = "sqlite://sql.db"\n}\n'
)
vim.fn.mkdir(dir .. '/sql/schema', 'p')
write(dir .. '/sql/schema/users.sql', 'CREATE TABLE users (id integer PRIMARY KEY);\n')
write(dir .. '/sql/seed.sql', 'INSERT INTO users VALUES (1);\n')
local SCHEMA = [[
schema "main" {}

table "users" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "email" {
    type = text
  }
  primary_key {
    columns = [column.id]
  }
}
]]
write(dir .. '/schema.hcl', SCHEMA)
vim.cmd('cd ' .. vim.fn.fnameescape(dir))

local strata = require('strata')
strata.setup({ path = bin })

local function plan_buffer()
  local buf, err
  local done = false
  strata.plan(function(b, e)
    buf, err, done = b, e, true
  end)
  wait(':StrataPlan', function()
    return done
  end)
  assert(buf, 'no plan buffer: ' .. tostring(err))
  return buf
end

test('parses the project file', function()
  local p = strata.project.load(dir .. '/strata.hcl')
  assert(#p.envs == 2 and p.envs[1].name == 'local' and p.envs[2].name == 'sql', vim.inspect(p))
  assert(p.envs[1].url == 'sqlite://app.db')
  assert(strata.project.is_schema_file(p, dir .. '/schema.hcl'))
  assert(not strata.project.is_schema_file(p, dir .. '/other.hcl'))
  local envs = strata.project.parse([[
# env "commented" {}
env "a" {
  src = ["file://x.hcl", "file://sql"]   // two
  url = "sqlite://${var.db}"
  migration {
    dir = <<-EOT
      env "heredoc" {}
    EOT
  }
}
/* env "b" {} */
env "c" {
  url = "sqlite://c.db"
}
]])
  assert(#envs == 2, vim.inspect(envs))
  assert(envs[1].name == 'a' and envs[2].name == 'c', vim.inspect(envs))
  assert(#envs[1].src == 2 and envs[1].src[2] == 'file://sql', vim.inspect(envs[1]))
end)

test('detects filetypes', function()
  vim.cmd('edit ' .. vim.fn.fnameescape(dir .. '/strata.hcl'))
  assert(vim.bo.filetype == 'strata-config', 'strata.hcl: ' .. vim.bo.filetype)
  assert(vim.bo.commentstring == '# %s', vim.bo.commentstring)
  vim.cmd('edit ' .. vim.fn.fnameescape(dir .. '/schema.hcl'))
  assert(vim.bo.filetype == 'strata-hcl', 'schema.hcl: ' .. vim.bo.filetype)
  assert(strata.detect('/nowhere/x.pg.hcl') == 'strata-hcl')
  assert(strata.detect('/nowhere/x.lt.hcl') == 'strata-hcl')
  assert(strata.detect('/nowhere/nomad.hcl') == nil, 'plain .hcl outside a project is left alone')
  assert(strata.detect('/nowhere/atlas.hcl') == 'strata-config')
  assert(strata.detect(dir .. '/sql/seed.sql') == nil, 'a .sql file no env names')
  vim.cmd('edit ' .. vim.fn.fnameescape(dir .. '/sql/schema/users.sql'))
  assert(vim.bo.filetype == 'strata-sql', 'users.sql: ' .. vim.bo.filetype)
  assert(vim.bo.commentstring == '-- %s', vim.bo.commentstring)
  vim.cmd('edit ' .. vim.fn.fnameescape(dir .. '/sql/seed.sql'))
  assert(vim.bo.filetype == 'sql', 'seed.sql: ' .. vim.bo.filetype)
end)

test(':StrataPlan shows the plan as SQL (server, or CLI fallback)', function()
  vim.cmd('edit ' .. vim.fn.fnameescape(dir .. '/schema.hcl'))
  vim.cmd('StrataPlan')
  local buf
  wait('the plan buffer', function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_get_name(b):match('strata://plan/') and buf_text(b):match('CREATE TABLE') then
        buf = b
        return true
      end
    end
    return false
  end)
  local text = buf_text(buf)
  assert(text:match('CREATE TABLE "users"'), text)
  assert(text:match('^%-%- strata plan for env "local"'), text)
  assert(vim.bo[buf].filetype == 'sql')
  assert(vim.bo[buf].buftype == 'nofile')
  assert(not vim.bo[buf].modifiable)
  out('     (plan from the ' .. tostring(strata.last_source) .. ')')
end)

test('the server attached to the schema buffer', function()
  local clients = strata.clients()
  if #clients == 0 then
    out('     (skipped: no strata client running: ' .. last_note() .. ')')
    return
  end
  local schema = vim.fn.bufnr(dir .. '/schema.hcl')
  wait('the client to attach', function()
    return clients[1].attached_buffers and clients[1].attached_buffers[schema]
  end, 10000)
  assert(clients[1].config.root_dir == dir, clients[1].config.root_dir)
end)

test(':StrataPlan through the CLI (no server)', function()
  strata.setup({ path = bin, lsp = false })
  local buf = plan_buffer()
  assert(strata.last_source == 'cli', strata.last_source)
  local text = buf_text(buf)
  assert(text:match('CREATE TABLE "users"'), text)
  assert(text:match('%-%- Plan: 1 to add, 0 to change, 0 to rename, 0 to drop%.'), text)
end)

local function apply(answer)
  local asked
  strata.ui.confirm = function(msg)
    asked = msg
    return answer
  end
  local result, err
  local done = false
  strata.apply(function(r, e)
    result, err, done = r, e, true
  end)
  wait(':StrataApply', function()
    return done
  end)
  return result, asked, err
end

for _, mode in ipairs({ 'cli', 'server' }) do
  test(':StrataApply asks first, then applies (' .. mode .. ')', function()
    os.remove(dir .. '/app.db')
    strata.setup({ path = bin, lsp = mode == 'server' })
    if mode == 'server' then
      vim.cmd('bwipeout! ' .. vim.fn.bufnr(dir .. '/schema.hcl'))
      vim.cmd('edit ' .. vim.fn.fnameescape(dir .. '/schema.hcl'))
    end
    local r, asked = apply(false)
    assert(r == 'cancelled', tostring(r))
    assert(asked:match('^Apply 1 statement%(s%)'), asked)
    assert(asked:match('CREATE TABLE "users"'), asked)
    local buf = plan_buffer()
    assert(buf_text(buf):match('CREATE TABLE'), 'nothing applied after cancel')

    local r2, _, err = apply(true)
    assert(r2 == 'applied', tostring(r2) .. ' ' .. tostring(err))
    local r3 = apply(true)
    assert(r3 == 'in_sync', tostring(r3))
    assert(buf_text(plan_buffer()):match('in sync: nothing to do'))
    if mode == 'server' and strata.last_source ~= 'server' then
      out('     (the server has no strata.previewPlan: the CLI planned)')
    end
  end)
end

test(':StrataApply lists destructive statements first', function()
  strata.setup({ path = bin, lsp = false })
  write(dir .. '/schema.hcl', SCHEMA:gsub('table "users"', 'table "accounts"'))
  local r, asked = apply(false)
  assert(r == 'cancelled')
  local d = asked:find('DESTRUCTIVE', 1, true)
  local drop = asked:find('DROP TABLE "users"', 1, true)
  local create = asked:find('CREATE TABLE "accounts"', 1, true)
  assert(d and drop and create and d < drop and drop < create, asked)
  assert(asked:match('DS102'), asked)
  write(dir .. '/schema.hcl', SCHEMA)
end)

test(':StrataInspect shows the database as HCL', function()
  local buf
  strata.inspect('sqlite://app.db', function(b)
    buf = b or -1
  end)
  wait(':StrataInspect', function()
    return buf ~= nil
  end)
  assert(buf > 0, last_note())
  assert(vim.bo[buf].filetype == 'strata-hcl')
  assert(buf_text(buf):match('table "users"'), buf_text(buf))
end)

test('without a binary it says how to install strata', function()
  strata.setup({ path = dir .. '/no/such/strata', lsp = false })
  local _, err
  local done = false
  strata.plan(function(b, e)
    _, err, done = b, e, true
  end)
  wait('the error', function()
    return done
  end)
  assert(tostring(err):match('cargo install'), tostring(err))
  assert(last_note():match('cargo install'), last_note())
end)

finish()
