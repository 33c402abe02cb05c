package io.twd.cli;

/** Placeholder entry point; replaced by the real command line. */
public final class Twctl {
    public static void main(String[] args) {
        System.out.println("twctl");
    }
}
