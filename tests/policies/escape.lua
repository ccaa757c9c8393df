-- a policy that tries to reach outside the simulation
function admit(node, job)
  os.execute("touch /tmp/tailback-escaped")
  return true
end
