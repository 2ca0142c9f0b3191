# conf module: sources are added here
