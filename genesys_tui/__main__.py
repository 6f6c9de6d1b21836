from genesys_tui.cli.main import main

raise SystemExit(main())
