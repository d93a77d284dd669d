-- Shared by the headless Neovim tests: output, the strata binary, a tiny
-- test runner that prints `N passed, N failed`, and small helpers.

local function out(s)
  io.stdout:write(s .. '\n')
  io.stdout:flush()
end

local this = debug.getinfo(1, 'S').source:sub(2)
local repo = vim.fn.fnamemodify(this, ':p:h:h:h')
vim.o.swapfile = false
vim.o.more = false

local bin = os.getenv('STRATA_BIN')
if not bin or bin == '' then
  bin = repo .. '/target/debug/strata'
end

local passed, failed = 0, 0
local function test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    passed = passed + 1
    out('ok   ' .. name)
  else
    failed = failed + 1
    out('FAIL ' .. name .. '\n' .. tostring(err))
  end
end

local function finish()
  for _, c in ipairs(vim.lsp.get_active_clients()) do
    pcall(vim.lsp.stop_client, c.id, true)
  end
  out(string.format('%d passed, %d failed', passed, failed))
  os.exit(failed > 0 and 1 or 0)
end

if vim.fn.executable(bin) ~= 1 then
  out('strata binary not found at ' .. bin .. ' (cargo build -p strata-cli, or set STRATA_BIN)')
  failed = 1
  finish()
end

local function write(path, text)
  local f = assert(io.open(path, 'w'))
  f:write(text)
  f:close()
end


local function wait(what, cond, ms)
  local ok = vim.wait(ms or 30000, cond, 20)
  assert(ok, 'timed out waiting for ' .. what)
end

return { out = out, repo = repo, bin = bin, test = test, finish = finish, write = write, wait = wait }
