-- retry_quarter.lua - a client's retry decision: two retries, 0.25 s apart, whatever the outcome.
function retry(class, attempt, outcome)
  if attempt < 3 then return 0.25 end
  return nil
end
