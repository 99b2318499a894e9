-- Troll: chases the nearest player within 5 tiles and hits it hard (lib/chase.lua); with nobody
-- to chase it wanders.
local chase = require("chase")
kind = { name = "Troll", visual = 3, hp = 120, damage = 12, exp = 60, weight = 1, chase_range = 5 }
local range = kind.chase_range

function on_act(npc)
  chase(npc, range)
end
