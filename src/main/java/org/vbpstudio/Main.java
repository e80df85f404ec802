package org.vbpstudio;

import org.vbpstudio.cli.VbpCommand;

/**
 * Entry point of {@code java -jar vbp-studio.jar} and of the installed {@code vbp-studio}: no
 * arguments opens the app on the sample model, a lone {@code .vbps} file opens that session,
 * anything else is a CLI command ({@link VbpCommand#arguments}). Kept free of JavaFX types so the class loads without the
 * JavaFX runtime on the module path.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(VbpCommand.run(VbpCommand.arguments(args)));
    }
}
