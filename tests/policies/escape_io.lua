-- tries to open a file
function admit(node, job)
  local f = io.open("/etc/passwd")
  return true
end
