-- a finaliser that would loop at collection or at close, outside any budget
setmetatable({}, { __gc = function() while true do end end })
function admit(node, job) return true end
