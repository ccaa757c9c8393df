-- rank() returns a string that looks like a number
function rank(node, job) return "5" end
