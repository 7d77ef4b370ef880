from datasets.routing import main

main()
