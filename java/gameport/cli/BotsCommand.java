package gameport.cli;

final class BotsCommand {
    private BotsCommand() {
    }

    static int run(String[] args) {
        System.err.println("bots: not yet");
        return 2;
    }
}
