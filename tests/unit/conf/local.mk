# unit tests for conf
