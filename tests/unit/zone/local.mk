# unit tests for zone
