-- an admission hook that never returns
function admit(node, job)
  local x = 0
  while true do
    x = x + 1
  end
end
