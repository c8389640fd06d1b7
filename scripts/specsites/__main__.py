from specsites.cli import main

raise SystemExit(main())
