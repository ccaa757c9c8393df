-- helper_mod.lua - a helper module (not a policy) for with_helper.lua.
local M = {}
function M.first(n) return 1 end
return M
