-- quantum without preemption: refused at load
options = { quantum = 0.1 }
function rank(node, job) return 0 end
