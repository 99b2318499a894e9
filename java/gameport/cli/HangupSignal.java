package gameport.cli;

import java.lang.reflect.Proxy;
import java.util.logging.Logger;

/**
 * SIGHUP asks the server to reload its NPC scripts, as daemons conventionally reload their
 * configuration on it; without this handler the JVM would take SIGHUP as a request to stop.
 *
 * <p>Installed by reflection: sun.misc.Signal is the JDK's only way to handle a signal, but it
 * is an unsupported API (javac warns at every use), and a runtime without the jdk.unsupported
 * module or a platform without SIGHUP (Windows) has none. There the server starts all the same,
 * without a reload by signal. The handler runs on a JVM thread of its own and only calls
 * {@code onHangup}, which must not block.
 */
final class HangupSignal {
    private static final Logger LOG = Logger.getLogger("gameport.server");

    private HangupSignal() {
    }

    /** Whether SIGHUP now calls {@code onHangup}; logs one line when it does not. */
    static boolean install(Runnable onHangup) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object hup = signal.getConstructor(String.class).newInstance("HUP");
            Object handler = Proxy.newProxyInstance(HangupSignal.class.getClassLoader(), new Class<?>[] {handlerType},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            onHangup.run();
                            yield null;
                        }
                        case "equals" -> proxy == args[0];
                        case "hashCode" -> System.identityHashCode(proxy);
                        default -> "gameport SIGHUP handler";
                    });
            Object previous = signal.getMethod("handle", signal, handlerType).invoke(null, hup, handler);
            if (previous == handlerType.getField("SIG_IGN").get(null)) {
                // The JVM leaves a signal alone that the process started with ignored (nohup).
                LOG.info("SIGHUP is ignored in this process (started with nohup?): it cannot reload the scripts");
                return false;
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ? e.getCause() : e;
            LOG.info("SIGHUP cannot reload the scripts in this JVM (" + cause + ")");
            return false;
        }
    }
}
