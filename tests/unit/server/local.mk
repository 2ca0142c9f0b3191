# unit tests for server
