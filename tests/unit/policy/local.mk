# unit tests for policy
