from deescalate.cli.main import main

main()
