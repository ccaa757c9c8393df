-- tries to reach the debug library
function admit(node, job)
  debug.sethook()
  return true
end
