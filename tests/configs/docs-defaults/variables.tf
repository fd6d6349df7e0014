# Defaults of every shape, for tests/test_docs.py: how the generated README tables write them.
# Not a config that is planned.

variable "emails" {
  type    = list(string)
  default = ["security@example.com"]
}

variable "tags" {
  type    = map(string)
  default = { Project = "trailwatch", "Key-2" = "v" }
}

variable "rules" {
  type    = list(object({ name = string, n = number, on = bool }))
  default = [{ name = "a", n = 1, on = true }]
}

variable "quoted" {
  type    = string
  default = "say \"hi\""
}

variable "nothing" {
  type    = string
  default = null
}

variable "needed" {
  type = string
}

variable "template" {
  type    = string
  default = "$${literal} and %%{literal}, a tab\tand a \\"
}
