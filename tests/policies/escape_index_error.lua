-- an erroring __index on the globals (once a panic, exit 134): never called by tailback
setmetatable(_G, { __index = function(t, k) error("no global " .. tostring(k)) end })
function admit(node, job) return true end
