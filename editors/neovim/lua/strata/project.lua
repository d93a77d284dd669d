-- The project file (strata.hcl / atlas.hcl), read just enough for the plugin:
-- env names, their src and url. The server and the CLI read it properly; this
-- tolerant scanner picks the env for :StrataPlan's CLI fallback and tells
-- which .sql files are schema files.
local M = {}

local uv = vim.loop

M.project_files = { 'strata.hcl', 'atlas.hcl' }

local function exists(path)
  return uv.fs_stat(path) ~= nil
end

local function dirname(path)
  local d = path:match('^(.*)/[^/]*$')
  if d == nil or d == '' then
    return '/'
  end
  return d
end
M.dirname = dirname

local function is_abs(path)
  return path:sub(1, 1) == '/' or path:match('^%a:[/\\]') ~= nil
end

--- `a/./b/../c` → `a/c`.
function M.normalize(path)
  local abs = path:sub(1, 1) == '/'
  local out = {}
  for part in path:gmatch('[^/]+') do
    if part == '..' then
      if #out > 0 and out[#out] ~= '..' then
        table.remove(out)
      elseif not abs then
        table.insert(out, part)
      end
    elseif part ~= '.' then
      table.insert(out, part)
    end
  end
  return (abs and '/' or '') .. table.concat(out, '/')
end

--- The directory above `path` (a file or directory) that holds strata.hcl or
--- atlas.hcl, and that file; nil when there is none.
function M.find_root(path)
  if path == nil or path == '' then
    path = uv.cwd()
  end
  path = M.normalize(is_abs(path) and path or (uv.cwd() .. '/' .. path))
  local dir = path
  local st = uv.fs_stat(dir)
  if not st or st.type ~= 'directory' then
    dir = dirname(dir)
  end
  while true do
    for _, name in ipairs(M.project_files) do
      local f = dir .. '/' .. name
      if exists(f) then
        return dir, f
      end
    end
    local parent = dirname(dir)
    if parent == dir then
      return nil
    end
    dir = parent
  end
end

local function read(path)
  local fd = io.open(path, 'r')
  if not fd then
    return nil
  end
  local text = fd:read('*a')
  fd:close()
  return text
end
M.read = read

-- Blanks out comments and heredoc bodies, keeping strings.
local function strip(text)
  local out = {}
  local i, n = 1, #text
  while i <= n do
    local c = text:sub(i, i)
    local two = text:sub(i, i + 1)
    if c == '#' or two == '//' then
      local e = text:find('\n', i, true) or n + 1
      i = e
    elseif two == '/*' then
      local e = text:find('*/', i + 2, true)
      i = e and e + 2 or n + 1
    elseif two == '<<' then
      local tag, after = text:match('^<<%-?%s*([%a_][%w_]*)[ \t]*\r?\n()', i)
      if tag then
        local j = after
        local found = nil
        while j <= n do
          local line_end = text:find('\n', j, true) or n + 1
          local line = text:sub(j, line_end - 1)
          if line:match('^%s*' .. tag .. '%s*$') then
            found = line_end
            break
          end
          j = line_end + 1
        end
        table.insert(out, '""')
        i = found or n + 1
      else
        table.insert(out, c)
        i = i + 1
      end
    elseif c == '"' then
      local j = i + 1
      while j <= n do
        local d = text:sub(j, j)
        if d == '\\' then
          j = j + 2
        elseif d == '"' or d == '\n' then
          break
        else
          j = j + 1
        end
      end
      table.insert(out, text:sub(i, j))
      i = j + 1
    else
      table.insert(out, c)
      i = i + 1
    end
  end
  return table.concat(out)
end

-- The body of the block whose `{` is at `open`, and the position after its `}`.
local function block_body(text, open)
  local depth, i, n = 0, open, #text
  while i <= n do
    local c = text:sub(i, i)
    if c == '"' then
      local j = i + 1
      while j <= n and text:sub(j, j) ~= '"' do
        if text:sub(j, j) == '\\' then
          j = j + 1
        end
        j = j + 1
      end
      i = j
    elseif c == '{' then
      depth = depth + 1
    elseif c == '}' then
      depth = depth - 1
      if depth == 0 then
        return text:sub(open + 1, i - 1), i + 1
      end
    end
    i = i + 1
  end
  return text:sub(open + 1), n + 1
end

-- Only the top level of a block body: nested blocks blanked out (strings kept).
local function top_level(body)
  local out, depth, i, n = {}, 0, 1, #body
  while i <= n do
    local c = body:sub(i, i)
    if c == '"' then
      local j = i + 1
      while j <= n and body:sub(j, j) ~= '"' do
        if body:sub(j, j) == '\\' then
          j = j + 1
        end
        j = j + 1
      end
      if depth == 0 then
        table.insert(out, body:sub(i, j))
      end
      i = j
    elseif c == '{' then
      depth = depth + 1
    elseif c == '}' then
      depth = depth - 1
    elseif depth == 0 then
      table.insert(out, c)
    end
    i = i + 1
  end
  return table.concat(out)
end

local function unescape(s)
  return (s:gsub('\\(.)', { n = '\n', t = '\t', ['"'] = '"', ['\\'] = '\\' }))
end

--- The envs of a project file's text, in order: { {name=, src={…}, url=, dev=} }.
function M.parse(text)
  local envs = {}
  local s = strip(text or '')
  local pos = 1
  -- Brace depth at `p`, strings skipped.
  local depth_at = function(p)
    local d, i = 0, 1
    while i < p do
      local c = s:sub(i, i)
      if c == '"' then
        local j = i + 1
        while j < p and s:sub(j, j) ~= '"' do
          if s:sub(j, j) == '\\' then
            j = j + 1
          end
          j = j + 1
        end
        i = j
      elseif c == '{' then
        d = d + 1
      elseif c == '}' then
        d = d - 1
      end
      i = i + 1
    end
    return d
  end
  while true do
    local st, e, name = s:find('env%s+"([^"]*)"%s*{', pos)
    if not st then
      break
    end
    local prev = st > 1 and s:sub(st - 1, st - 1) or '\n'
    if prev:match('[%w_]') or depth_at(st) ~= 0 then
      pos = e + 1
    else
      local body, after = block_body(s, e)
      local top = top_level(body)
      local env = { name = name, src = {} }
      local list = top:match('src%s*=%s*(%b[])')
      if list then
        for item in list:gmatch('"([^"]*)"') do
          table.insert(env.src, unescape(item))
        end
      else
        local one = top:match('src%s*=%s*"([^"]*)"')
        if one then
          table.insert(env.src, unescape(one))
        end
      end
      env.url = top:match('url%s*=%s*"([^"]*)"')
      env.dev = top:match('dev%s*=%s*"([^"]*)"')
      table.insert(envs, env)
      pos = after
    end
  end
  return envs
end

--- Reads and parses a project file.
function M.load(file)
  local text = read(file)
  if not text then
    return nil
  end
  return { file = file, dir = dirname(file), envs = M.parse(text) }
end

--- The env named `name` when the project has it, else the first.
function M.choose_env(project, name)
  if not project then
    return nil
  end
  if name then
    for _, e in ipairs(project.envs) do
      if e.name == name then
        return e
      end
    end
  end
  return project.envs[1]
end

--- The local paths an env's `src` names.
function M.src_paths(dir, env)
  local out = {}
  for _, s in ipairs(env.src or {}) do
    if s:sub(1, 7) == 'file://' and not s:find('${', 1, true) then
      local p = s:sub(8):gsub('%?.*$', '')
      if not is_abs(p) then
        p = dir .. '/' .. p
      end
      table.insert(out, M.normalize(p))
    end
  end
  return out
end

--- Whether `file` is one of the project's schema files (named by an env's
--- src, or inside a directory it names).
function M.is_schema_file(project, file)
  if not project then
    return false
  end
  file = M.normalize(file)
  for _, env in ipairs(project.envs) do
    for _, p in ipairs(M.src_paths(project.dir, env)) do
      if file == p or file:sub(1, #p + 1) == p .. '/' then
        return true
      end
    end
  end
  return false
end

return M
