-- tries to outlive the instruction budget by catching its error
function admit(node, job)
  while true do
    pcall(function() while true do end end)
  end
end
