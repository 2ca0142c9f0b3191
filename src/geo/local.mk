# geo module: sources are added here
