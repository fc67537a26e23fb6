"""The benchmark (`make bench`): our BFF beside Hive Gateway, Apollo Gateway and the floor."""
