package user.loop

import rego.v1

f(x) := f(x + 1)

deny contains "loops" if f(1) > 0
