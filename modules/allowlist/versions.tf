terraform {
  required_version = ">= 1.5.7"
  # No required_providers: the module creates nothing and calls no API (like modules/detections),
  # so a configuration that calls it alone starts no provider.
}
