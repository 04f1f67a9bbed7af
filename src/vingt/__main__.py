from vingt.cli import main

raise SystemExit(main())
