-- tries to require a path outside the policy directory
function admit(node, job)
  require("../../etc/passwd")
  return true
end
