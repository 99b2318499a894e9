-- The course's classic exercise: when a player steps onto the NPC's tile it says hello, walks
-- three steps away (one per act), then says goodbye.
kind = { name = "Greeter", visual = 4, hp = 50, damage = 0, exp = 0, weight = 1, chase_range = 0 }

function on_player_moves(npc, player)
  local x, y = gp.pos(npc)
  local px, py = gp.pos(player)
  if px == x and py == y and gp.get(npc, "steps_left") == nil then
    gp.say(npc, "Hello, " .. gp.name(player) .. "!")
    gp.set(npc, "steps_left", 3)
    gp.act_in(npc, 200)
  end
end

function on_act(npc)
  local left = gp.get(npc, "steps_left")
  if left == nil then
    return -- it waits for a visitor
  end
  if left > 0 then
    -- away from the visitor's tile: any free direction, tried in order
    for dir = 0, 3 do
      if gp.step(npc, dir) then break end
    end
    gp.set(npc, "steps_left", left - 1)
    gp.act_in(npc, 200)
  else
    gp.say(npc, "Goodbye!")
    gp.set(npc, "steps_left", nil)
  end
end
