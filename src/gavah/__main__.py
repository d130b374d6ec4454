from gavah.cli import main

main()
