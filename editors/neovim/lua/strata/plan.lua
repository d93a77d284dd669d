-- Plans as the server (strata.previewPlan) or the CLI (`schema apply
-- --dry-run --format json`) return them, and how the plugin shows them.
local M = {}

local function num(v)
  return type(v) == 'number' and v or 0
end

local function str(v)
  return type(v) == 'string' and v or nil
end

local DESTRUCTIVE_SQL = {
  '^%s*[Dd][Rr][Oo][Pp]%s+[Tt][Aa][Bb][Ll][Ee]',
  '^%s*[Dd][Rr][Oo][Pp]%s+[Vv][Ii][Ee][Ww]',
  '^%s*[Dd][Rr][Oo][Pp]%s+[Ss][Cc][Hh][Ee][Mm][Aa]',
  '[Dd][Rr][Oo][Pp]%s+[Cc][Oo][Ll][Uu][Mm][Nn]',
}

local function looks_destructive(sql, comment)
  for _, p in ipairs(DESTRUCTIVE_SQL) do
    if sql:find(p) then
      return true
    end
  end
  if comment then
    local c = comment:lower()
    if c:find('drops? table') or c:find('drops? column') or c:find('drops? view') then
      return true
    end
  end
  return false
end

--- Statements of a plan printed as "-- comment\nSQL;\n" per step (PRAGMAs
--- around), for servers that return SQL without steps.
function M.split_sql(sql)
  local steps = {}
  local comment, buf = nil, {}
  local function push(text, c)
    text = text:gsub('%s+$', ''):gsub(';$', '')
    if text ~= '' then
      table.insert(steps, { sql = text, comment = c, destructive = looks_destructive(text, c) })
    end
  end
  local function flush()
    local text = table.concat(buf, '\n'):gsub('^%s+', ''):gsub('%s+$', '')
    if text ~= '' then
      if comment then
        local lines = vim.split(text, '\n', { plain = true })
        local post = {}
        while #lines > 1 and lines[#lines]:match('^PRAGMA.*;%s*$') do
          table.insert(post, 1, table.remove(lines))
        end
        push(table.concat(lines, '\n'), comment)
        for _, l in ipairs(post) do
          push(l)
        end
      else
        for _, l in ipairs(vim.split(text, '\n', { plain = true })) do
          push(l)
        end
      end
    end
    buf, comment = {}, nil
  end
  for _, line in ipairs(vim.split(sql or '', '\n', { plain = true })) do
    if line:sub(1, 3) == '-- ' then
      flush()
      comment = vim.trim(line:sub(4))
    else
      table.insert(buf, line)
    end
  end
  flush()
  return steps
end

--- Fills what is missing in a server or CLI plan.
function M.normalize(raw, source)
  if type(raw) ~= 'table' then
    error('the plan is not a JSON object')
  end
  local sql = str(raw.sql) or ''
  local s = type(raw.summary) == 'table' and raw.summary or {}
  local summary = { add = num(s.add), modify = num(s.modify), rename = num(s.rename), drop = num(s.drop) }
  local lint = {}
  if type(raw.lint) == 'table' then
    for _, f in ipairs(raw.lint) do
      table.insert(lint, {
        code = tostring(f.code or ''),
        severity = tostring(f.severity or 'warning'):lower(),
        message = tostring(f.message or ''),
      })
    end
  end
  local steps
  if type(raw.steps) == 'table' then
    steps = {}
    for _, st in ipairs(raw.steps) do
      table.insert(steps, { sql = tostring(st.sql or ''), comment = str(st.comment), destructive = st.destructive == true })
    end
  else
    steps = M.split_sql(sql)
  end
  local total = summary.add + summary.modify + summary.rename + summary.drop
  local in_sync
  if type(raw.inSync) == 'boolean' then
    in_sync = raw.inSync
  else
    in_sync = vim.trim(sql) == '' and total == 0
  end
  return {
    sql = sql,
    lint = lint,
    summary = summary,
    steps = steps,
    in_sync = in_sync,
    env = str(raw.env),
    url = str(raw.url),
    source = source,
  }
end

function M.summary_text(s)
  return string.format('%d to add, %d to change, %d to rename, %d to drop', s.add, s.modify, s.rename, s.drop)
end

--- The plan as lines of SQL: header and lint findings as comments, then the SQL.
function M.document(p, ctx)
  ctx = ctx or {}
  local env, url = p.env or ctx.env, p.url or ctx.url
  local out = {}
  local title = '-- strata plan'
  if env then
    title = title .. string.format(' for env "%s"', env)
  end
  if url then
    title = title .. ' (' .. url .. ')'
  end
  table.insert(out, title)
  if ctx.note then
    for _, l in ipairs(vim.split(ctx.note, '\n', { plain = true })) do
      table.insert(out, '-- ' .. l)
    end
  end
  if p.in_sync then
    table.insert(out, '-- Schema is in sync: nothing to do.')
    return out
  end
  table.insert(out, '-- Plan: ' .. M.summary_text(p.summary) .. '.')
  if #p.lint > 0 then
    table.insert(out, '--')
    table.insert(out, '-- Lint:')
    for _, f in ipairs(p.lint) do
      local lines = vim.split(f.message, '\n', { plain = true })
      table.insert(out, string.format('--   %s %s: %s', f.severity, f.code, lines[1]))
      for i = 2, #lines do
        table.insert(out, '--     ' .. lines[i])
      end
    end
  end
  local destructive = 0
  for _, s in ipairs(p.steps) do
    if s.destructive then
      destructive = destructive + 1
    end
  end
  if destructive > 0 then
    table.insert(out, '--')
    table.insert(out, string.format('-- %d destructive statement(s): review before applying.', destructive))
  end
  table.insert(out, '')
  for _, l in ipairs(vim.split((p.sql:gsub('%s+$', '')), '\n', { plain = true })) do
    table.insert(out, l)
  end
  return out
end

--- The apply question: destructive statements first, then lint, then the rest.
function M.confirmation(p, ctx)
  ctx = ctx or {}
  local env, url = p.env or ctx.env, p.url or ctx.url
  local lines = {}
  local q = string.format('Apply %d statement(s)', #p.steps)
  if url then
    q = q .. ' to ' .. url
  end
  if env then
    q = q .. string.format(' (env "%s")', env)
  end
  table.insert(lines, q .. '?')
  table.insert(lines, 'Plan: ' .. M.summary_text(p.summary) .. '.')
  if ctx.note then
    table.insert(lines, ctx.note)
  end
  local destructive, others = {}, {}
  for _, s in ipairs(p.steps) do
    table.insert(s.destructive and destructive or others, s)
  end
  local function add(s)
    if s.comment then
      table.insert(lines, '  -- ' .. s.comment)
    end
    local body = vim.split(s.sql .. ';', '\n', { plain = true })
    for i = 1, math.min(#body, 4) do
      table.insert(lines, '  ' .. body[i])
    end
    if #body > 4 then
      table.insert(lines, string.format('  … (%d more lines)', #body - 4))
    end
  end
  if #destructive > 0 then
    table.insert(lines, '')
    table.insert(lines, string.format('DESTRUCTIVE statement(s) (%d):', #destructive))
    for _, s in ipairs(destructive) do
      add(s)
    end
  end
  if #p.lint > 0 then
    table.insert(lines, '')
    table.insert(lines, 'Lint:')
    for _, f in ipairs(p.lint) do
      table.insert(lines, string.format('  %s %s: %s', f.severity, f.code, f.message))
    end
  end
  if #others > 0 then
    table.insert(lines, '')
    table.insert(lines, string.format('%s (%d):', #destructive > 0 and 'Other statements' or 'Statements', #others))
    for _, s in ipairs(others) do
      add(s)
    end
  end
  return table.concat(lines, '\n')
end

return M
