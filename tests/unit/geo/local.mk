# unit tests for geo
