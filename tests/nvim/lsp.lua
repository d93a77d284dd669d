-- Headless tests of the language server (`strata lsp`) through Neovim's own
-- LSP client (0.7 APIs only, no plugin), on a SQLite project.
--
--   nvim --headless -u NONE -i NONE -n -c 'luafile tests/nvim/lsp.lua'
--
-- (tests/nvim/run.sh does this.) Uses $STRATA_BIN, else target/debug/strata.
-- Prints one line per test and `N passed, N failed`; exits 1 on failure.
-- Neovim 0.7 offers no position encodings, so every position is UTF-16.

local h = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h') .. '/harness.lua')
local out, repo, bin, test, finish, write, wait = h.out, h.repo, h.bin, h.test, h.finish, h.write, h.wait

-- Quiet notifications (window/showMessage and friends).
vim.notify = function() end

-- The project: strata.hcl with env "local" (SQLite app.db) and schema.hcl.
-- Line 29 (0-based) holds the reference after non-ASCII text: é (2 bytes, 1
-- UTF-16 unit), ☕ (3 bytes, 1 unit), 😀 (4 bytes, 2 units).
local REF_LINE = 29
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

table "posts" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "author_id" {
    type = integer
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "posts_author" {
    columns     = [column.author_id]
    # café ☕ 😀
    ref_columns = [/* café ☕ 😀 */ table.users.column.id]
  }
}
]]
local BROKEN = SCHEMA:gsub('table%.users%.column%.id%]', 'table.users.column.nope]')

local dir = vim.fn.tempname()
vim.fn.mkdir(dir, 'p')
dir = vim.loop.fs_realpath(dir)
write(dir .. '/strata.hcl', 'env "local" {\n  src = "file://schema.hcl"\n  url = "sqlite://app.db"\n}\n')
write(dir .. '/schema.hcl', BROKEN)
vim.cmd('cd ' .. vim.fn.fnameescape(dir))

local path = dir .. '/schema.hcl'
local uri = vim.uri_from_fname(path)
vim.cmd('edit ' .. vim.fn.fnameescape(path))
local buf = vim.api.nvim_get_current_buf()
vim.bo[buf].filetype = 'strata-hcl'

local function lines()
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

-- 0-based line of the first line matching `pat` at or after line `from`.
local function find_line(pat, from)
  for i, l in ipairs(lines()) do
    if i - 1 >= (from or 0) and l:find(pat, 1, true) then
      return i - 1
    end
  end
  error('no line with ' .. pat)
end

-- UTF-16 position of the start (plus `off` bytes) of `needle` on 0-based `line`.
local function pos(line, needle, off)
  local text = lines()[line + 1]
  local b = assert(text:find(needle, 1, true), needle .. ' not on line ' .. line) - 1 + (off or 0)
  local _, u16 = vim.str_utfindex(text, b)
  return { line = line, character = u16 }
end

local function params(p)
  return { textDocument = { uri = uri }, position = p }
end

-- One server's result for `method`, asserting no error.
local function request(method, p, ms)
  local res, err = vim.lsp.buf_request_sync(buf, method, p, ms or 10000)
  assert(res, method .. ': ' .. tostring(err))
  for _, r in pairs(res) do
    assert(not r.err, method .. ': ' .. vim.inspect(r.err))
    return r.result
  end
  error(method .. ': no response')
end

local client_id = vim.lsp.start_client({
  cmd = { bin, 'lsp' },
  root_dir = dir,
  name = 'strata',
  init_options = { env = 'local' },
})
assert(client_id, 'start_client failed')
vim.lsp.buf_attach_client(buf, client_id)
wait('the server to initialize', function()
  local c = vim.lsp.get_client_by_id(client_id)
  return c and c.initialized and vim.lsp.buf_is_attached(buf, client_id)
end)

local function diagnostics()
  return vim.diagnostic.get(buf)
end

test('diagnostics for an unresolved reference, cleared after the fix', function()
  wait('diagnostics', function()
    return #diagnostics() > 0
  end)
  local d = diagnostics()
  local found
  for _, x in ipairs(d) do
    if x.lnum == REF_LINE then
      found = x
    end
  end
  assert(found, 'no diagnostic on line ' .. REF_LINE .. ': ' .. vim.inspect(d))
  assert(found.message:find('nope', 1, true) or found.message:lower():find('unresolved'), found.message)
  -- Fix the reference in the buffer: the client sends didChange.
  local text = lines()[REF_LINE + 1]
  vim.api.nvim_buf_set_lines(buf, REF_LINE, REF_LINE + 1, false, { (text:gsub('column%.nope', 'column.id')) })
  wait('diagnostics to clear', function()
    return #diagnostics() == 0
  end)
  assert(table.concat(lines(), '\n') .. '\n' == SCHEMA)
end)

test('hover on a table reference', function()
  local r = request('textDocument/hover', params(pos(REF_LINE, 'users', 1)))
  assert(r and r.contents, 'no hover')
  local c = r.contents
  local text = type(c) == 'string' and c or c.value or vim.inspect(c)
  assert(text:find('users', 1, true) or text:find('integer', 1, true), text)
end)

test('completion after column. lists the columns', function()
  -- Inside table "users", add `    columns = [column.` on a new line.
  local at = find_line('primary_key {', 0) + 1
  local line = '    x = [column.'
  vim.api.nvim_buf_set_lines(buf, at, at, false, { line })
  local ok, err = pcall(function()
    local r = request('textDocument/completion', params({ line = at, character = #line }))
    assert(r, 'no completion')
    local items = r.items or r
    local labels = {}
    for _, it in ipairs(items) do
      labels[it.label] = true
    end
    assert(labels.id and labels.email, vim.inspect(vim.tbl_keys(labels)))
  end)
  vim.api.nvim_buf_set_lines(buf, at, at + 1, false, {})
  assert(ok, err)
  assert(table.concat(lines(), '\n') .. '\n' == SCHEMA)
end)

test('definition of table.users.column.id is the column "id" of users', function()
  local r = request('textDocument/definition', params(pos(REF_LINE, 'column.id', 7)))
  assert(r, 'no definition')
  local loc = r.uri and r or r.targetUri and r or r[1]
  assert(loc, vim.inspect(r))
  local target_uri = loc.uri or loc.targetUri
  local range = loc.range or loc.targetSelectionRange or loc.targetRange
  assert(target_uri == uri, target_uri)
  local want = find_line('column "id"', find_line('table "users"'))
  assert(range.start.line == want, 'line ' .. range.start.line .. ', want ' .. want)
end)

test('rename of the email column edits its label', function()
  local col = find_line('column "email"')
  local r = request('textDocument/rename', {
    textDocument = { uri = uri },
    position = pos(col, 'email', 1),
    newName = 'mail',
  })
  assert(r, 'no edit')
  local edits = {}
  if r.changes then
    vim.list_extend(edits, r.changes[uri] or {})
  end
  for _, dc in ipairs(r.documentChanges or {}) do
    if dc.textDocument and dc.textDocument.uri == uri then
      vim.list_extend(edits, dc.edits)
    end
  end
  local hit
  for _, e in ipairs(edits) do
    if e.range.start.line == col and e.newText:find('mail', 1, true) then
      hit = e
    end
  end
  assert(hit, vim.inspect(r))
  local p = pos(col, 'email')
  assert(hit.range.start.character <= p.character and hit.range['end'].character >= p.character + 5, vim.inspect(hit))
end)

test('code lenses from the live plan', function()
  local r
  local ok = vim.wait(15000, function()
    r = request('textDocument/codeLens', { textDocument = { uri = uri } })
    return r and #r > 0
  end, 250)
  assert(ok, 'no lenses: ' .. vim.inspect(r))
  local titles = {}
  for _, l in ipairs(r) do
    -- The server has no codeLens/resolve: every lens carries its command.
    assert(l.command and l.command.title and l.command.title ~= '', vim.inspect(l))
    table.insert(titles, l.command.title)
  end
  local all = table.concat(titles, ' | ')
  -- A fresh database: the plan creates both tables; one lens per table.
  assert(all:find('2 to add', 1, true) and all:find('new table', 1, true), all)
  local lens_lines = {}
  for _, l in ipairs(r) do
    lens_lines[l.range.start.line] = true
  end
  assert(lens_lines[find_line('table "users"')] and lens_lines[find_line('table "posts"')], vim.inspect(r))
end)

test('UTF-16 ranges after non-ASCII text on the line', function()
  local text = lines()[REF_LINE + 1]
  -- The bytes and UTF-16 columns differ on this line.
  local start = pos(REF_LINE, 'table.users')
  assert(start.character ~= text:find('table.users', 1, true) - 1)
  -- Highlight of `users` in the reference.
  local users = pos(REF_LINE, 'users')
  local hl = request('textDocument/documentHighlight', params(pos(REF_LINE, 'users', 2)))
  assert(hl and #hl > 0, 'no highlights')
  local got
  for _, h in ipairs(hl) do
    if h.range.start.line == REF_LINE then
      got = h.range
    end
  end
  assert(got, vim.inspect(hl))
  assert(got.start.character == users.character, 'highlight at ' .. got.start.character .. ', want ' .. users.character)
  assert(got['end'].character == users.character + 5, vim.inspect(got))
  -- Definition of `id` from a cursor placed by UTF-16 column on this line.
  local def = request('textDocument/definition', params(pos(REF_LINE, 'column.id', 8)))
  local loc = def and (def.uri and def or def[1])
  assert(loc, 'no definition: ' .. vim.inspect(def))
  local range = loc.range or loc.targetSelectionRange
  assert(range.start.line == find_line('column "id"', find_line('table "users"')), vim.inspect(loc))
  -- Diagnostic of a broken reference on this line starts at a UTF-16 column.
  vim.api.nvim_buf_set_lines(buf, REF_LINE, REF_LINE + 1, false, { (text:gsub('column%.id', 'column.nope')) })
  wait('the diagnostic', function()
    return #diagnostics() > 0
  end)
  local d = diagnostics()[1]
  assert(d.lnum == REF_LINE, vim.inspect(d))
  -- The client converts the server's UTF-16 range to bytes: a server counting
  -- bytes or code points would land elsewhere on this line.
  local broken = lines()[REF_LINE + 1]
  local nope = broken:find('nope', 1, true) - 1
  assert(d.col == nope and d.end_col == nope + 4,
    string.format('diagnostic at bytes %d-%d, want %d-%d (%s)', d.col, d.end_col, nope, nope + 4, d.message))
  vim.api.nvim_buf_set_lines(buf, REF_LINE, REF_LINE + 1, false, { text })
  wait('diagnostics to clear', function()
    return #diagnostics() == 0
  end)
end)

finish()
