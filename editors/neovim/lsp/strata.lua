-- Neovim 0.11+ native LSP config: with editors/neovim on 'runtimepath',
-- `vim.lsp.enable('strata')` starts `strata lsp` for strata's filetypes
-- (require('strata').setup{} also registers the filetypes and commands).
return {
  cmd = { 'strata', 'lsp' },
  filetypes = {
    'strata-hcl',
    'strata-config',
    'strata-sql',
    'atlas-schema-postgresql',
    'atlas-schema-mysql',
    'atlas-schema-mariadb',
    'atlas-schema-sqlite',
    'atlas-config',
  },
  root_markers = { 'strata.hcl', 'atlas.hcl', '.git' },
  init_options = vim.empty_dict(),
}
