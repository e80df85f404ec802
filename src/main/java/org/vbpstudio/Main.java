package org.vbpstudio;

import org.vbpstudio.cli.VbpCommand;

/**
 * Entry point of {@code java -jar vbp-studio.jar}: no arguments opens the app on the sample model,
 * anything else is a CLI command. Kept free of JavaFX types so the class loads without the
 * JavaFX runtime on the module path.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(VbpCommand.run(args.length == 0 ? new String[] {"gui"} : args));
    }
}
