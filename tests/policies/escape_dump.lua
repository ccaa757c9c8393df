-- tries to dump a function to bytecode
function admit(node, job)
  local b = string.dump(admit)
  return true
end
