-- tries to run a file from anywhere
function admit(node, job)
  dofile("/etc/passwd")
  return true
end
