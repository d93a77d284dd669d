-- strata for Neovim (0.7+): filetypes, the `strata lsp` language server, and
-- :StrataPlan / :StrataApply / :StrataInspect / :StrataEnv.
--
--   require('strata').setup {}
--
-- See docs/editors.md in the strata repository.
local project = require('strata.project')
local planlib = require('strata.plan')

local M = {}

M.project = project
M.plan_lib = planlib

--- Filetypes the server serves: strata's and Atlas's.
M.filetypes = {
  'strata-hcl',
  'strata-config',
  'strata-sql',
  'atlas-schema-postgresql',
  'atlas-schema-mysql',
  'atlas-schema-mariadb',
  'atlas-schema-sqlite',
  'atlas-config',
}

local defaults = {
  -- The strata binary: a path, or a name looked up on PATH.
  path = 'strata',
  -- The whole server command; default { path, 'lsp' }.
  cmd = nil,
  -- The env of strata.hcl / atlas.hcl to plan against; default the first.
  env = nil,
  -- Dev database URL override.
  dev_url = nil,
  -- Values for the project file's variables: { db = 'other.db' }.
  vars = nil,
  -- Trust every project (true), none (false), or ask once per project whose
  -- project file runs programs or queries databases (nil).
  trusted = nil,
  -- Register the filetypes (strata-hcl, strata-config, strata-sql).
  filetypes = true,
  -- Treat every *.hcl file as strata-hcl, not only those in a strata/atlas project.
  all_hcl = false,
  -- Start the language server.
  lsp = true,
  -- Passed on to the LSP client.
  on_attach = nil,
  capabilities = nil,
  handlers = nil,
  -- How the plan window opens.
  split = 'botright split',
  -- How long :StrataPlan waits for a starting server before using the CLI (ms).
  server_wait = 5000,
}

M.config = vim.deepcopy(defaults)

--- Overridable for tests and custom UIs. confirm(message, plan) → boolean.
M.ui = {
  confirm = function(message)
    return vim.fn.confirm(message, '&Apply\n&Cancel', 2, 'Warning') == 1
  end,
}

--- Where the last plan came from: 'server' or 'cli' (for tests and :messages).
M.last_source = nil

local function has(v)
  return vim.fn.has('nvim-' .. v) == 1
end

local levels = vim.log.levels

local function notify(msg, level)
  vim.notify('strata: ' .. msg, level or levels.INFO)
end

M.INSTALL_HELP = 'install strata with `cargo install --path cli` from a strata checkout (puts `strata` on PATH), '
  .. "or build it with `cargo build -p strata-cli` and call require('strata').setup { path = '/path/to/target/debug/strata' }"

--- The strata binary, or nil and why not.
function M.binary()
  local p = M.config.path or 'strata'
  if vim.fn.executable(p) == 1 then
    local full = vim.fn.exepath(p)
    return (full ~= '' and full) or p
  end
  return nil, string.format('no executable "%s" (path = %s)', p, vim.inspect(M.config.path))
end

local warned_missing = false
local function binary_or_warn()
  local bin, why = M.binary()
  if not bin and not warned_missing then
    warned_missing = true
    notify(why .. ': ' .. M.INSTALL_HELP, levels.ERROR)
  end
  return bin, why
end

-- Filetype detection ---------------------------------------------------------

local DIALECT_SUFFIXES = { '.pg.hcl', '.my.hcl', '.ma.hcl', '.lt.hcl' }

local function ends_with(s, suffix)
  return suffix == '' or s:sub(-#suffix) == suffix
end

--- The strata filetype of a path, or nil to leave it to Neovim.
function M.detect(path)
  if not path or path == '' then
    return nil
  end
  local base = path:match('[^/]+$') or path
  if base == 'strata.hcl' or base == 'atlas.hcl' then
    return 'strata-config'
  end
  if ends_with(base, '.hcl') then
    for _, s in ipairs(DIALECT_SUFFIXES) do
      if ends_with(base, s) then
        return 'strata-hcl'
      end
    end
    if M.config.all_hcl or project.find_root(path) then
      return 'strata-hcl'
    end
    return nil
  end
  if ends_with(base, '.sql') then
    local _, file = project.find_root(path)
    if file and project.is_schema_file(project.load(file), path) then
      return 'strata-sql'
    end
  end
  return nil
end

local function register_filetypes()
  if has('0.8') and vim.filetype and vim.filetype.add then
    vim.filetype.add({
      filename = { ['strata.hcl'] = 'strata-config', ['atlas.hcl'] = 'strata-config' },
      pattern = {
        ['.*%.hcl'] = {
          function(path)
            return M.detect(path)
          end,
          { priority = 10 },
        },
        ['.*%.sql'] = {
          function(path)
            return M.detect(path)
          end,
          { priority = 10 },
        },
      },
    })
  else
    -- 0.7: filetype.vim is in charge; set ours after it.
    local group = vim.api.nvim_create_augroup('strata_filetype', { clear = true })
    vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
      group = group,
      pattern = { '*.hcl', '*.sql' },
      callback = function(args)
        local ft = M.detect(vim.api.nvim_buf_get_name(args.buf))
        if ft and vim.bo[args.buf].filetype ~= ft then
          vim.bo[args.buf].filetype = ft
        end
      end,
    })
  end
  if vim.treesitter and vim.treesitter.language and vim.treesitter.language.register then
    pcall(vim.treesitter.language.register, 'hcl', { 'strata-hcl', 'strata-config' })
    pcall(vim.treesitter.language.register, 'sql', { 'strata-sql' })
  end
end

-- The language server ------------------------------------------------------

-- Workspace trust -------------------------------------------------------
-- A project file may run programs (`data "external_schema"`) or query
-- databases (`data "sql"`). The server runs them only in a trusted project:
-- the plugin asks once per project that has such a data source, and
-- remembers the answer in stdpath('data')/strata-trust.json.
-- `trusted = true|false` in setup() answers for every project.

local function trust_file()
  return vim.fn.stdpath('data') .. '/strata-trust.json'
end

local function read_trust()
  local f = io.open(trust_file(), 'r')
  if not f then
    return {}
  end
  local text = f:read('*a')
  f:close()
  local ok, t = pcall(vim.json.decode, text)
  return (ok and type(t) == 'table') and t or {}
end

local function runs_things(root)
  for _, name in ipairs({ 'strata.hcl', 'atlas.hcl' }) do
    local f = io.open(root .. '/' .. name, 'r')
    if f then
      local text = f:read('*a')
      f:close()
      return text:find('external_schema', 1, true) ~= nil or text:find('data%s+"sql"') ~= nil
    end
  end
  return false
end

--- Whether the project at `root` is trusted (asks once, then remembers).
function M.trusted(root)
  if M.config.trusted ~= nil then
    return M.config.trusted
  end
  if not root or not runs_things(root) then
    return false
  end
  local known = read_trust()
  if known[root] ~= nil then
    return known[root]
  end
  local answer = vim.fn.confirm(
    'strata: the project file in ' .. root .. ' runs programs or queries databases (data sources). Trust this project?',
    '&Trust\n&Do not trust',
    2
  ) == 1
  known[root] = answer
  vim.fn.mkdir(vim.fn.stdpath('data'), 'p')
  local f = io.open(trust_file(), 'w')
  if f then
    f:write(vim.json.encode(known))
    f:close()
  end
  return answer
end

local function init_options(root)
  local o = {}
  if M.trusted(root) then
    o.trusted = true
  end
  if M.config.env then
    o.env = M.config.env
  end
  if M.config.dev_url then
    o.devUrl = M.config.dev_url
  end
  if M.config.vars and next(M.config.vars) then
    o.vars = M.config.vars
  end
  if next(o) == nil then
    return vim.empty_dict()
  end
  return o
end

local function language_id(_, ft)
  if ft == 'sql' then
    return 'strata-sql'
  end
  return ft
end

--- The client configuration for a project root.
function M.client_config(root)
  local bin = M.binary()
  return {
    name = 'strata',
    cmd = M.config.cmd or { bin or 'strata', 'lsp' },
    root_dir = root,
    init_options = init_options(root),
    get_language_id = language_id,
    on_attach = M.config.on_attach,
    capabilities = M.config.capabilities or vim.lsp.protocol.make_client_capabilities(),
    handlers = M.config.handlers,
  }
end

local function all_clients()
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ name = 'strata' })
  end
  local out = {}
  for _, c in ipairs(vim.lsp.get_active_clients()) do
    if c.name == 'strata' then
      table.insert(out, c)
    end
  end
  return out
end
M.clients = all_clients

local function root_of(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr or 0)
  local root, file = project.find_root(name ~= '' and name or vim.loop.cwd())
  return root, file
end

local started = {}

--- Starts (or reuses) the server for a buffer (0.7–0.10).
function M.attach(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if not M.config.lsp then
    return nil
  end
  if not M.config.cmd and not binary_or_warn() then
    return nil
  end
  local root = root_of(bufnr) or vim.loop.cwd()
  if vim.lsp.start then
    return vim.lsp.start(M.client_config(root), { bufnr = bufnr })
  end
  -- 0.7 (no vim.lsp.start): one client per root. A client is listed as
  -- active only once initialized, so remember the ones started here.
  local known = started[root] and vim.lsp.get_client_by_id(started[root])
  if known and not known.is_stopped() then
    vim.lsp.buf_attach_client(bufnr, known.id)
    return known.id
  end
  local id = vim.lsp.start_client(M.client_config(root))
  if id then
    started[root] = id
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

local function start_server()
  if vim.lsp.config and vim.lsp.enable then
    -- 0.11+: the built-in configuration and enablement.
    if not M.config.cmd and not binary_or_warn() then
      return
    end
    local cfg = M.client_config(nil)
    cfg.root_dir = nil
    cfg.name = nil
    cfg.filetypes = M.filetypes
    cfg.root_markers = project.project_files
    vim.lsp.config('strata', cfg)
    vim.lsp.enable('strata')
    return
  end
  local group = vim.api.nvim_create_augroup('strata_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
end

-- Restarts the servers (after the env changed).
function M.restart()
  for _, c in ipairs(all_clients()) do
    M._stop(c)
  end
  if vim.lsp.config and vim.lsp.enable and M.config.lsp then
    local cfg = { init_options = init_options(vim.fn.getcwd()) }
    vim.lsp.config('strata', cfg)
  end
  vim.defer_fn(function()
    for _, b in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(b) and vim.tbl_contains(M.filetypes, vim.bo[b].filetype) then
        vim.api.nvim_exec_autocmds('FileType', { buffer = b, modeline = false })
      end
    end
  end, 300)
end

-- Requests ---------------------------------------------------------------------

local function stopped(client)
  if has('0.11') then
    return client:is_stopped()
  end
  return client.is_stopped()
end

local function stop(client)
  if has('0.11') then
    return client:stop()
  end
  return client.stop()
end

local function request(client, method, params, handler, bufnr)
  if has('0.11') then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

M._stop = stop

local function capabilities_of(client)
  return client.server_capabilities or client.resolved_capabilities or {}
end

--- The strata client for a buffer's project, waiting for it to initialize.
function M.client_for(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local root = root_of(bufnr)
  local pick
  local candidates = all_clients()
  local mine = root and started[root] and vim.lsp.get_client_by_id(started[root])
  if mine then
    table.insert(candidates, 1, mine)
  end
  for _, c in ipairs(candidates) do
    local attached = c.attached_buffers and c.attached_buffers[bufnr]
    if attached or (root and c.config.root_dir == root) then
      pick = c
      break
    end
  end
  if not pick then
    return nil
  end
  local ready = function()
    return pick.initialized or pick.server_capabilities ~= nil
  end
  if not ready() then
    vim.wait(M.config.server_wait, function()
      return ready() or stopped(pick)
    end, 20)
  end
  if stopped(pick) or not ready() then
    return nil
  end
  return pick
end

local function server_has(client, command)
  local p = capabilities_of(client).executeCommandProvider
  return type(p) == 'table' and vim.tbl_contains(p.commands or {}, command)
end

-- The CLI ----------------------------------------------------------------------

local function decode(text)
  if vim.json and vim.json.decode then
    return pcall(vim.json.decode, text)
  end
  return pcall(vim.fn.json_decode, text)
end

local function run(args, cwd, cb)
  local out, err = {}, {}
  local ok, job = pcall(vim.fn.jobstart, args, {
    cwd = cwd,
    stdout_buffered = true,
    stderr_buffered = true,
    env = { NO_COLOR = '1' },
    on_stdout = function(_, data)
      out = data or {}
    end,
    on_stderr = function(_, data)
      err = data or {}
    end,
    on_exit = function(_, code)
      vim.schedule(function()
        cb(code, table.concat(out, '\n'), vim.trim(table.concat(err, '\n')))
      end)
    end,
  })
  if not ok or job <= 0 then
    vim.schedule(function()
      cb(-1, '', 'cannot run ' .. tostring(args[1]) .. ': ' .. tostring(job))
    end)
  end
end
M.run = run

-- The project arguments for the CLI.
local function cli_args(ctx)
  local a = { '--config', ctx.project.file }
  if ctx.env then
    table.insert(a, '--env')
    table.insert(a, ctx.env)
  end
  if M.config.dev_url then
    table.insert(a, '--dev-url')
    table.insert(a, M.config.dev_url)
  end
  for k, v in pairs(M.config.vars or {}) do
    table.insert(a, '--var')
    table.insert(a, k .. '=' .. tostring(v))
  end
  return a
end

local function modified_schema_buffers()
  local n = 0
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(b) and vim.bo[b].modified and vim.tbl_contains(M.filetypes, vim.bo[b].filetype) then
      n = n + 1
    end
  end
  return n
end

-- Plan ---------------------------------------------------------------------------

--- What a plan command works on: the project, its env, the server client.
function M.context(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local root, file = root_of(bufnr)
  local proj = file and project.load(file) or nil
  local env = project.choose_env(proj, M.config.env)
  return {
    bufnr = bufnr,
    root = root,
    project = proj,
    env = M.config.env or (env and env.name) or nil,
    url = env and env.url or nil,
  }
end

local function plan_via_cli(ctx, cb)
  local bin, why = M.binary()
  if not bin then
    return cb(nil, why .. ': ' .. M.INSTALL_HELP)
  end
  if not ctx.project then
    return cb(nil, 'no strata.hcl or atlas.hcl above this file: the plan needs an env')
  end
  local args = { bin, '--color', 'never', 'schema', 'apply' }
  vim.list_extend(args, cli_args(ctx))
  vim.list_extend(args, { '--dry-run', '--format', 'json' })
  run(args, ctx.root, function(code, out, err)
    if code ~= 0 then
      return cb(nil, err ~= '' and err or ('strata exited with code ' .. code))
    end
    local ok, json = decode(out)
    if not ok then
      return cb(nil, 'strata printed no JSON plan: ' .. out:sub(1, 200))
    end
    local ok2, p = pcall(planlib.normalize, json, 'cli')
    if not ok2 then
      return cb(nil, tostring(p))
    end
    local dirty = modified_schema_buffers()
    if dirty > 0 then
      ctx.note = string.format('Planned by the CLI from the files on disk: %d unsaved buffer(s) are not included.', dirty)
    end
    cb(p)
  end)
end

--- Computes the plan: the server's strata.previewPlan when it has it, else
--- `strata schema apply --dry-run --format json`. cb(plan, err, ctx).
function M.preview(cb, bufnr)
  local ctx = M.context(bufnr)
  local done = function(p, err)
    if p then
      M.last_source = p.source
    end
    cb(p, err, ctx)
  end
  local client = M.config.lsp and M.client_for(ctx.bufnr) or nil
  if client and server_has(client, 'strata.previewPlan') then
    ctx.client = client
    local args = ctx.env and { { env = ctx.env } } or {}
    request(client, 'workspace/executeCommand', { command = 'strata.previewPlan', arguments = args }, function(err, result)
      if err then
        local msg = type(err) == 'table' and (err.message or vim.inspect(err)) or tostring(err)
        if (type(err) == 'table' and err.code == -32601) or msg:match('unknown command') then
          ctx.client = nil
          return plan_via_cli(ctx, done)
        end
        return done(nil, msg)
      end
      local ok, p = pcall(planlib.normalize, result, 'server')
      if not ok then
        return done(nil, tostring(p))
      end
      done(p)
    end, ctx.bufnr)
  else
    plan_via_cli(ctx, done)
  end
end

local scratch = {}

--- Shows lines in a named scratch buffer (reused), in a split; returns it.
function M.show(name, lines, ft)
  local buf = scratch[name]
  if not (buf and vim.api.nvim_buf_is_valid(buf)) then
    buf = vim.api.nvim_create_buf(false, true)
    scratch[name] = buf
    pcall(vim.api.nvim_buf_set_name, buf, name)
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].swapfile = false
  if vim.bo[buf].filetype ~= ft then
    vim.bo[buf].filetype = ft
  end
  if vim.fn.bufwinid(buf) == -1 then
    vim.cmd(M.config.split)
    vim.api.nvim_win_set_buf(0, buf)
  end
  return buf
end

--- :StrataPlan. cb(bufnr | nil, err) when given.
function M.plan(cb)
  cb = cb or function() end
  M.preview(function(p, err, ctx)
    if not p then
      notify('cannot plan: ' .. tostring(err), levels.ERROR)
      return cb(nil, err)
    end
    local lines = planlib.document(p, { env = ctx.env, url = ctx.url, note = ctx.note })
    local buf = M.show('strata://plan/' .. (p.env or ctx.env or 'plan'), lines, 'sql')
    cb(buf)
  end)
end

--- :StrataApply: preview, ask (destructive statements first), apply.
--- cb('applied' | 'cancelled' | 'in_sync' | nil, err).
function M.apply(cb)
  cb = cb or function() end
  M.preview(function(p, err, ctx)
    if not p then
      notify('cannot plan: ' .. tostring(err), levels.ERROR)
      return cb(nil, err)
    end
    if p.in_sync then
      notify('schema is in sync: nothing to apply')
      return cb('in_sync')
    end
    local message = planlib.confirmation(p, { env = ctx.env, url = ctx.url, note = ctx.note })
    if not M.ui.confirm(message, p) then
      notify('nothing applied')
      return cb('cancelled')
    end
    local finish = function(e)
      if e then
        notify('apply failed: ' .. e, levels.ERROR)
        return cb(nil, e)
      end
      notify(string.format('applied %d statement(s)', #p.steps))
      cb('applied')
    end
    if ctx.client and server_has(ctx.client, 'strata.applyPlan') then
      local arg = { expectedSql = p.sql }
      if ctx.env then
        arg.env = ctx.env
      end
      request(ctx.client, 'workspace/executeCommand', { command = 'strata.applyPlan', arguments = { arg } }, function(e)
        finish(e and (e.message or vim.inspect(e)) or nil)
      end, ctx.bufnr)
    else
      local bin, why = M.binary()
      if not bin or not ctx.project then
        return finish(why or 'no project file')
      end
      local args = { bin, '--color', 'never', 'schema', 'apply' }
      vim.list_extend(args, cli_args(ctx))
      table.insert(args, '--auto-approve')
      run(args, ctx.root, function(code, _, stderr)
        finish(code ~= 0 and (stderr ~= '' and stderr or ('exit code ' .. code)) or nil)
      end)
    end
  end)
end

--- :StrataInspect [url]: the database as HCL in a scratch buffer.
function M.inspect(url, cb)
  cb = cb or function() end
  local bin, why = M.binary()
  if not bin then
    notify(why .. ': ' .. M.INSTALL_HELP, levels.ERROR)
    return cb(nil, why)
  end
  local ctx = M.context()
  local args = { bin, '--color', 'never', 'schema', 'inspect' }
  if url and url ~= '' then
    vim.list_extend(args, { '--url', url })
  elseif ctx.project then
    vim.list_extend(args, { '--config', ctx.project.file })
    if ctx.env then
      vim.list_extend(args, { '--env', ctx.env })
    end
  else
    notify('give a URL: :StrataInspect sqlite://app.db', levels.ERROR)
    return cb(nil, 'no URL')
  end
  run(args, ctx.root or vim.loop.cwd(), function(code, out, err)
    if code ~= 0 then
      notify('inspect failed: ' .. err, levels.ERROR)
      return cb(nil, err)
    end
    local lines = vim.split((out:gsub('%s+$', '')), '\n', { plain = true })
    cb(M.show('strata://inspect/' .. (url or ctx.env or 'db'), lines, 'strata-hcl'))
  end)
end

--- :StrataEnv [name]: picks the env (restarting the server with it).
function M.select_env(name)
  local ctx = M.context()
  local envs = ctx.project and ctx.project.envs or {}
  local set = function(n)
    if not n then
      return
    end
    M.config.env = n
    notify('env ' .. n)
    M.restart()
  end
  if name and name ~= '' then
    return set(name)
  end
  if #envs == 0 then
    return notify('no env in strata.hcl / atlas.hcl', levels.WARN)
  end
  local names = {}
  for _, e in ipairs(envs) do
    table.insert(names, e.name)
  end
  vim.ui.select(names, { prompt = 'strata env' }, set)
end

local function env_names()
  local ctx = M.context()
  local out = {}
  for _, e in ipairs(ctx.project and ctx.project.envs or {}) do
    table.insert(out, e.name)
  end
  return out
end

local function commands()
  local cmd = vim.api.nvim_create_user_command
  cmd('StrataPlan', function()
    M.plan()
  end, { desc = 'strata: show the migration plan as SQL' })
  cmd('StrataApply', function()
    M.apply()
  end, { desc = 'strata: apply the plan (asks first)' })
  cmd('StrataInspect', function(o)
    M.inspect(o.args)
  end, { nargs = '?', desc = 'strata: inspect a database (the env, or a URL) into HCL' })
  cmd('StrataEnv', function(o)
    M.select_env(o.args)
  end, {
    nargs = '?',
    complete = function()
      return env_names()
    end,
    desc = 'strata: choose the env',
  })
end

local function filetype_settings()
  local group = vim.api.nvim_create_augroup('strata_ftsettings', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = { 'strata-hcl', 'strata-config' },
    callback = function(args)
      vim.bo[args.buf].commentstring = '# %s'
    end,
  })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = { 'strata-sql' },
    callback = function(args)
      vim.bo[args.buf].commentstring = '-- %s'
    end,
  })
end

--- Sets the plugin up: filetypes, server, commands.
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  warned_missing = false
  if M.config.filetypes then
    register_filetypes()
  end
  filetype_settings()
  if M.config.lsp then
    start_server()
  end
  commands()
  return M
end

return M
