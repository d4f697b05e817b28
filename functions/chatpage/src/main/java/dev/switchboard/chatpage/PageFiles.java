package dev.switchboard.chatpage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The chat page's static files, bundled into this function's jar under {@code chatpage/web/} from
 * {@code infra/src/main/resources/web} (the pom's resources) with {@code vendor/} (the markdown-it and DOMPurify
 * bundles the root pom's page-vendor execution unpacks from their WebJars), read once at init: key (the file's path
 * below {@code web/}) to its bytes.
 */
public record PageFiles(Map<String, byte[]> files) {
    static final String ROOT = "chatpage/web/";

    public PageFiles {
        if (!files.containsKey("index.html")) {
            throw new IllegalStateException("the chat page files hold no index.html");
        }
        if (files.containsKey(PageConfig.KEY)) {
            throw new IllegalStateException("the bundled chat page files hold a " + PageConfig.KEY
                    + "; it is written from the stack's values");
        }
        files = Map.copyOf(files);
    }

    /** The files bundled with this class (a jar on Lambda, a folder in a test). */
    public static PageFiles bundled() {
        URL index = PageFiles.class.getClassLoader().getResource(ROOT + "index.html");
        if (index == null) {
            throw new IllegalStateException(ROOT + "index.html is not on the class path");
        }
        try {
            URI uri = index.toURI();
            if ("jar".equals(uri.getScheme())) {
                try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                    return new PageFiles(read(jar.getPath("/" + ROOT)));
                }
            }
            return new PageFiles(read(Path.of(uri).getParent()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the chat page files", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, byte[]> read(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return out;
    }

    /** The Content-Type S3 stores with a key, so CloudFront serves it right. */
    static String contentType(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (k.endsWith("/license")) {
            return "text/plain; charset=utf-8"; // the vendor bundles' licences (vendor/<library>/LICENSE)
        }
        int dot = k.lastIndexOf('.');
        return switch (dot < 0 ? "" : k.substring(dot + 1)) {
            case "html" -> "text/html; charset=utf-8";
            case "js", "mjs" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "json" -> "application/json";
            case "svg" -> "image/svg+xml";
            case "png" -> "image/png";
            case "ico" -> "image/x-icon";
            case "txt" -> "text/plain; charset=utf-8";
            default -> "application/octet-stream";
        };
    }
}
