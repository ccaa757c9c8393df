-- tries to load a (binary) chunk
function admit(node, job)
  local f = load("\27Lua")
  return true
end
