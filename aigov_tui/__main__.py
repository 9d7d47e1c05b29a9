from aigov_tui.cli import main

raise SystemExit(main())
