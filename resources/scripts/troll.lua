-- Troll: hits the nearest player within its chase range when it stands next to it (or on its
-- tile), otherwise steps towards it along the longer axis first, the other one if a wall is in
-- the way; with nobody to chase it wanders.
kind = { name = "Troll", visual = 3, hp = 120, damage = 12, exp = 60, weight = 1, chase_range = 5 }

function on_act(npc)
  chase_or_wander(npc, kind.chase_range)
end

-- Shared shape with the orc's script: each kind is one file, so it is repeated there.
function chase_or_wander(npc, range)
  local prey = gp.nearest_player(npc, range)
  if prey < 0 then
    gp.step(npc, gp.random(4))
    return
  end
  local x, y = gp.pos(npc)
  local px, py = gp.pos(prey)
  if math.abs(px - x) + math.abs(py - y) <= 1 then
    gp.attack(npc, prey)
    return
  end
  local horizontal = px > x and gp.RIGHT or gp.LEFT
  local vertical = py > y and gp.DOWN or gp.UP
  local x_first = math.abs(px - x) >= math.abs(py - y)
  if not gp.step(npc, x_first and horizontal or vertical) then
    if (x_first and py ~= y) or (not x_first and px ~= x) then
      gp.step(npc, x_first and vertical or horizontal)
    end
  end
end
